// Package flickr is groupgraph's Flickr client: it implements
// providers.Provider over Flickr's REST API (flickr.test.login,
// flickr.people.getGroups, flickr.groups.getInfo, flickr.groups.leave) and
// the three-legged OAuth 1.0a flow that links an account.
//
// Every call is signed with OAuth 1.0a HMAC-SHA1 using the application's
// consumer key and secret and the linked account's access token and token
// secret (providers.Account.Credentials.Token and .Secret); the account's
// UserID is the user's NSID.
//
// Flickr answers HTTP 200 for API failures, so every response body is checked
// for stat=fail, and every failure is classified once into a providers error
// kind wrapped together with an *APIError carrying Flickr's own code. The
// client does not retry, rate-limit or cache: a resilience layer wraps it.
//
// Files follow the sections of Flickr's API documentation: test.go
// (flickr.test.*), people.go (flickr.people.*), groups.go (flickr.groups.*),
// oauth.go (request signing and the OAuth endpoints).
package flickr
