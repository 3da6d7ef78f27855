package e2e

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

func encodeForTest(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// pressContinue submits a linking confirmation page (the answer to opening a
// ticket URL) as the person would, in the same browser, and returns the
// response to the form: with a client that follows redirects, the end of
// the flow.
func pressContinue(t *testing.T, browser *http.Client, page *http.Response) *http.Response {
	t.Helper()
	raw, _ := io.ReadAll(page.Body)
	page.Body.Close()
	action := regexp.MustCompile(`<form method="post" action="([^"]+)">`).FindSubmatch(raw)
	confirm := regexp.MustCompile(`name="confirm" value="([^"]+)"`).FindSubmatch(raw)
	if page.StatusCode != http.StatusOK || action == nil || confirm == nil {
		t.Fatalf("opening the ticket: %s, want the confirmation page:\n%s", page.Status, raw)
	}
	u := *page.Request.URL
	u.Path, u.RawQuery = string(action[1]), ""
	resp, err := browser.PostForm(u.String(), url.Values{"confirm": {string(confirm[1])}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
