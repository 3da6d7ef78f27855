package providers

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// maxLoggedBody bounds how much of an upstream error body a debug line
// keeps: enough to see what a proxy or the platform said.
const maxLoggedBody = 2048

// LogUpstreamBody writes a failed call's response body to log at debug
// level, with secrets redacted (as Redact does) and cut to 2 KiB. Error
// messages carry a classified kind and a fixed text only, never what the
// platform wrote (which may repeat the request, as an OAuth signature base
// string does): this line is where that text goes. A nil log writes
// nothing.
func LogUpstreamBody(ctx context.Context, log *slog.Logger, provider Kind, op string, status int, body []byte, secrets ...string) {
	if log == nil || len(body) == 0 || !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	s := string(body)
	if len(s) > maxLoggedBody {
		cut := maxLoggedBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	s = strings.ToValidUTF8(Redact(s, secrets...), "\uFFFD")
	log.LogAttrs(ctx, slog.LevelDebug, "upstream error body",
		slog.String("provider", string(provider)), slog.String("op", op), slog.Int("status", status), slog.String("body", s))
}
