// The little of oidc-provider's API the peer uses (the package ships no TypeScript types).
declare module 'oidc-provider' {
  type Middleware = (ctx: any, next: () => Promise<void>) => Promise<void>;
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    use(middleware: Middleware): void;
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): void;
    BackchannelAuthenticationRequest: { find(id: string): Promise<Record<string, any> | undefined> };
    Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(s: string): void; addOIDCClaims(c: string[]): void; save(): Promise<string> };
    backchannelResult(request: unknown, result: unknown): Promise<void>;
  }
  export const errors: Record<string, new (description?: string) => Error>;
}
