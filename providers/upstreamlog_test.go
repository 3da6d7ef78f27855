package providers_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
)

func TestUpstreamBodiesAreLoggedRedactedAndBounded(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	body := "oauth_problem=signature_invalid&debug_sbs=GET&https%3A%2F%2Fapi&oauth_token%3Dsecret-token-1234" + strings.Repeat("x", 5000)
	providers.LogUpstreamBody(t.Context(), log, providers.Flickr, "people.getGroups", 401, []byte(body), "secret-token-1234")
	out := buf.String()
	if strings.Contains(out, "secret-token-1234") {
		t.Errorf("the logged body keeps a secret: %s", out)
	}
	if !strings.Contains(out, "signature_invalid") || !strings.Contains(out, "[redacted]") {
		t.Errorf("the logged body lost what the platform said: %s", out)
	}
	if len(out) > 3000 {
		t.Errorf("the logged line is %d bytes, want the body cut to 2 KiB", len(out))
	}

	buf.Reset()
	quiet := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	providers.LogUpstreamBody(t.Context(), quiet, providers.Flickr, "op", 500, []byte("body"))
	providers.LogUpstreamBody(t.Context(), nil, providers.Flickr, "op", 500, []byte("body"))
	if buf.Len() != 0 {
		t.Errorf("a logger above debug level wrote %q", buf.String())
	}
}
