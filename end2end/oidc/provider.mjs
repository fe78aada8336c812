// A real OpenID Connect provider for the sign-in journeys: the npm package oidc-provider (a
// certified implementation), on 127.0.0.1, with one test client (the app under test) and test
// people. Its own development login page takes any of their names with any password.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3102);
const appUrl = process.env.OIDC_APP_URL ?? "http://127.0.0.1:3101";
const issuer = `http://127.0.0.1:${port}`;

/**
 * The test people, by the login name typed on the provider's page: its first part says who
 * they are, the rest makes each journey's person its own ("ola-hydrated-0").
 * - ola-…: verified email ola-…@example.com (an admin invites them during the journey);
 * - una-…: the demo participant mentor2@example.com, not verified by the provider;
 * - nia-…: verified nia-…@allowed.example, of an allowed domain, without an account;
 * - sam-…: verified sam-…@elsewhere.example, without an account, outside the allowed domains.
 */
function person(login) {
  const kind = login.split("-")[0];
  switch (kind) {
    case "ola":
      return { email: `${login}@example.com`, email_verified: true, name: "Ola Oidc" };
    case "una":
      return { email: "mentor2@example.com", email_verified: false, name: "Una Unverified" };
    case "nia":
      return { email: `${login}@allowed.example`, email_verified: true, name: "Nia Newcomer" };
    case "sam":
      return { email: `${login}@elsewhere.example`, email_verified: true, name: "Sam Stranger" };
    default:
      return undefined;
  }
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID ?? "milestones-e2e",
      client_secret: process.env.OIDC_CLIENT_SECRET ?? "e2e-secret",
      redirect_uris: [`${appUrl}/auth/oidc/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  async findAccount(_ctx, id) {
    const claims = person(id);
    if (!claims) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...claims };
      },
    };
  },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["e2e-only-cookie-key"] },
});

provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider for the journeys on ${issuer}`);
});
