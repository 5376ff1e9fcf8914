// The devInteractions consent page lists the requested scopes as bare <li>name</li> items; this
// middleware only adds data-scope="name" to them, so a plan can script an End-User who refuses a
// given scope with a CSS selector (the page is otherwise oidc-provider's own).
type Ctx = { path: string; method: string; body: unknown; type: string };

export async function markScopes(ctx: Ctx, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/') || typeof ctx.body !== 'string') return;
  ctx.body = ctx.body.replace(/<li>([A-Za-z0-9_:.-]+)<\/li>/g, '<li data-scope="$1">$1</li>');
}

/** One line per request: method, path, status. */
export async function logRequests(ctx: Ctx & { status: number }, next: () => Promise<void>): Promise<void> {
  try {
    await next();
  } finally {
    console.log(`${ctx.method} ${ctx.path} ${ctx.status}`);
  }
}
