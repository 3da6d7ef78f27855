package providers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-5", 0},
		{"1.5", 0},
		{"5s", 0},
		{"soon", 0},
		{"99999999999999999999", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"Sun, 01 Jun 2025 12:00:30 GMT", 30 * time.Second},
		{"Sunday, 01-Jun-25 12:00:30 GMT", 30 * time.Second},
		{"Sun Jun  1 12:00:30 2025", 30 * time.Second},
		{"Sun, 01 Jun 2025 11:00:00 GMT", 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
	} {
		if got := providers.ParseRetryAfter(c.in, now); got != c.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	const secret = "ab+cd/ef=="
	for _, msg := range []string{
		"got ab+cd/ef== here",
		"got ab%2Bcd%2Fef%3D%3D here",
		"got ab+cd%2Fef==here",
	} {
		got := providers.Redact(msg, secret, "xyz")
		if got == msg || !strings.Contains(got, "[redacted]") {
			t.Errorf("Redact(%q) = %q, want the secret redacted", msg, got)
		}
	}
	if got := providers.Redact("key xyz", "xyz"); got != "key xyz" {
		t.Errorf("Redact redacted a secret shorter than four bytes: %q", got)
	}
}
