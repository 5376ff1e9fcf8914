// oidc-provider's own pages, with only stable hooks added for a plan's CSS selectors:
// - the devInteractions consent page lists the requested scopes as bare <li>name</li> items: they
//   get data-scope="name" (a plan can script an End-User who refuses a given scope);
// - the device confirmation page's two buttons get data-decision="allow" / "deny" (the harness's
//   device-approve step picks one by ${device.decision}).
type Ctx = { path: string; method: string; body: unknown; type: string };

export async function markScopes(ctx: Ctx, next: () => Promise<void>): Promise<void> {
  await next();
  if (typeof ctx.body !== 'string') return;
  if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
    ctx.body = ctx.body.replace(/<li>([A-Za-z0-9_:.-]+)<\/li>/g, '<li data-scope="$1">$1</li>');
  } else if (ctx.path.startsWith('/device') && ctx.body.includes('op.deviceConfirmForm')) {
    ctx.body = ctx.body
      .replace('<button autofocus type="submit" form="op.deviceConfirmForm">', '<button autofocus type="submit" form="op.deviceConfirmForm" data-decision="allow">')
      .replace('<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">', '<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort" data-decision="deny">');
  }
}

/** One line per request: method, path, status. */
export async function logRequests(ctx: Ctx & { status: number }, next: () => Promise<void>): Promise<void> {
  try {
    await next();
  } finally {
    console.log(`${ctx.method} ${ctx.path} ${ctx.status}`);
  }
}
