// A real OpenID provider for the tests: node-oidc-provider (pinned in package.json), on
// 127.0.0.1 at a free port, with its own development login and consent forms
// (devInteractions), one confidential client whose redirect URI is our callback, PKCE required.
//
//   node provider.mjs <client_id> <client_secret> <redirect_uri>
//
// Prints one line {"issuer": "http://127.0.0.1:<port>"} when it listens; stops on SIGTERM or
// when its standard input closes (the test ended, however it ended).
//
// Accounts: any login name signs in (the password is not checked). The login name is the
// e-mail address, verified; "unverified:" before it makes email_verified false; "noemail:"
// before it leaves the e-mail out. The subject (sub) is "sub-" and the login name.
import http from 'node:http'
import Provider from 'oidc-provider'

const [clientId, clientSecret, redirectUri] = process.argv.slice(2)
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node provider.mjs <client_id> <client_secret> <redirect_uri>')
  process.exit(2)
}

function claimsOf(login) {
  let email = login
  let verified = true
  if (login.startsWith('unverified:')) {
    email = login.slice('unverified:'.length)
    verified = false
  }
  const claims = { sub: `sub-${login}`, name: `Test ${email.split('@')[0]}` }
  if (!login.startsWith('noemail:')) {
    claims.email = email
    claims.email_verified = verified
  }
  return claims
}

const server = http.createServer()
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Scope claims in the ID token too, as Google and Microsoft put them there.
    conformIdTokenClaims: false,
    cookies: { keys: ['laskutin-test-provider-cookie-key'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => claimsOf(id),
    }),
  })
  provider.proxy = false
  server.on('request', provider.callback())
  process.stdout.write(JSON.stringify({ issuer }) + '\n')
})

function stop() {
  server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
