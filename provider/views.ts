// HTML pages: real forms with stable selectors the harness and browsers drive.
//   error:          <main data-page="error"><h1>Error</h1><p data-error="CODE">description</p></main>
//   login:          <main data-page="login"> form#login (input#username, input#password, input[name=csrf]) button[type=submit]
//                   (input#username is prefilled from login_hint; shown again for prompt=login, max_age, id_token_hint of another user)
//   consent:        <main data-page="consent"> form#consent (input[name=csrf]) button[name=decision][value=allow|deny]
//                   (shown again for prompt=consent and whenever the scope has offline_access)
//   logout-confirm: <main data-page="logout-confirm"> form#logout[action=/logout/confirm] button#confirm-logout
//   logged-out:     <main data-page="logged-out"><h1>You are logged out</h1></main>

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · Touchstone OP</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}input{display:block;width:100%;padding:.4rem}button{margin:.75rem .5rem 0 0;padding:.5rem 1rem}[role=alert]{color:#a00}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function errorPage(code: string, description: string): string {
  return layout('Error', `<main data-page="error"><h1>Error</h1><p data-error="${esc(code)}">${esc(description)}</p></main>`);
}

export function loginPage(p: { csrf: string; clientId: string; error?: string; username?: string }): string {
  const alert = p.error ? `\n  <p id="login-error" role="alert">${esc(p.error)}</p>` : '';
  return layout('Sign in', `<main data-page="login">
  <h1>Sign in</h1>
  <p>to continue to <strong data-client="${esc(p.clientId)}">${esc(p.clientId)}</strong></p>${alert}
  <form id="login" method="post">
    <input type="hidden" name="csrf" value="${esc(p.csrf)}">
    <label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" value="${esc(p.username ?? '')}" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
</main>`);
}

export function consentPage(p: { csrf: string; clientId: string; scopes: string[] }): string {
  const items = p.scopes.map((s) => `<li data-scope="${esc(s)}">${esc(s)}</li>`).join('');
  return layout('Authorize', `<main data-page="consent">
  <h1>Authorize ${esc(p.clientId)}</h1>
  <p><strong data-client="${esc(p.clientId)}">${esc(p.clientId)}</strong> asks for:</p>
  <ul>${items}</ul>
  <form id="consent" method="post">
    <input type="hidden" name="csrf" value="${esc(p.csrf)}">
    <button type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</main>`);
}

export function logoutConfirmPage(p: { csrf: string; requestId: string; clientId?: string }): string {
  const who = p.clientId ? ` from <strong data-client="${esc(p.clientId)}">${esc(p.clientId)}</strong>` : '';
  return layout('Log out', `<main data-page="logout-confirm">
  <h1>Log out</h1>
  <p>Do you want to log out${who}?</p>
  <form id="logout" method="post" action="/logout/confirm">
    <input type="hidden" name="csrf" value="${esc(p.csrf)}">
    <input type="hidden" name="logout_request" value="${esc(p.requestId)}">
    <button id="confirm-logout" type="submit" name="logout" value="yes">Log out</button>
    <button id="cancel-logout" type="submit" name="logout" value="no">Stay signed in</button>
  </form>
</main>`);
}

export function loggedOutPage(): string {
  return layout('Logged out', '<main data-page="logged-out"><h1>You are logged out</h1></main>');
}

export function logoutCancelledPage(): string {
  return layout('Still signed in', '<main data-page="logout-cancelled"><h1>You are still signed in</h1></main>');
}
