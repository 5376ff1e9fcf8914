// The peer's End-Users: any login name the devInteractions login page accepts becomes the `sub`,
// with a fixed set of standard claims (OIDC Core §5.1) for the profile, email, address and phone scopes.

/** Which claims each scope releases (OIDC Core §5.4); oidc-provider's `claims` configuration. */
export const scopeClaims = {
  openid: ['sub'],
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

function standardClaims(sub: string): Record<string, unknown> {
  const name = sub.charAt(0).toUpperCase() + sub.slice(1);
  return {
    sub,
    name: `${name} Example`,
    given_name: name,
    family_name: 'Example',
    middle_name: 'Q',
    nickname: sub,
    preferred_username: sub,
    profile: `https://people.example/${sub}`,
    picture: `https://people.example/${sub}.png`,
    website: 'https://people.example/',
    gender: 'female',
    birthdate: '1990-01-01',
    zoneinfo: 'Europe/Paris',
    locale: 'en-US',
    updated_at: 1700000000,
    email: `${sub}@people.example`,
    email_verified: true,
    address: { formatted: '1 Example Street, 75001 Paris, France', street_address: '1 Example Street', locality: 'Paris', postal_code: '75001', country: 'FR' },
    phone_number: '+33 1 23 45 67 89',
    phone_number_verified: false,
  };
}

/** oidc-provider's `findAccount(ctx, sub)`: every account exists (test peer). */
export async function findAccount(_ctx: unknown, sub: string) {
  return {
    accountId: sub,
    async claims(_use: string, _scope: string) {
      return standardClaims(sub);
    },
  };
}
