// Package pageseeder is groupgraph's client for PageSeeder, the document
// collaboration server each customer runs on its own host. It implements
// providers.Provider over PageSeeder's REST services (/ps/service/...):
// whoami (/self), the member's memberships including those inherited through
// subgroups, the groups visible to a member (the source of
// viewer.visibleGroups), group details and self-service leave
// (deregistration).
//
// Calls are authorised with OAuth2 bearer tokens. An expired token (or a 401)
// is refreshed once with the account's refresh token, the call is retried
// once, and the configured providers.CredentialSink is told about the new
// token; concurrent calls for one account share a single refresh. The
// authorization-code flow with PKCE (AuthCodeURL, Exchange) links an account.
//
// Responses are requested as JSON (Accept: application/json). Failures are
// classified once into the providers error kinds; PageSeeder error ids are
// mapped per service, because the same id means different things in
// different services (0x102A is "member not found" for visiblegroups and
// "token invalid" for unsubscribe).
package pageseeder
