package secrets_test

import (
	"bytes"
	"testing"

	"github.com/groupgraph/groupgraph/internal/secrets"
)

// FuzzOpen feeds Open arbitrary blobs: whatever a corrupted database row
// holds, Open returns an error and never panics or accepts it.
func FuzzOpen(f *testing.F) {
	kr, err := secrets.NewKeyring(secrets.Key{ID: "k1", Material: key(1)})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.Seal([]byte("secret"), []byte("aad"))
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 255, 'k'})
	f.Add([]byte{2, 2, 'k', '1'})
	f.Fuzz(func(t *testing.T, blob []byte) {
		plain, err := kr.Open(blob, []byte("aad"))
		if err == nil && !bytes.Equal(blob, good) {
			t.Fatalf("Open accepted a blob Seal did not produce: %q", plain)
		}
		_, _ = secrets.BlobKeyID(blob)
	})
}

// FuzzParseKeyring: whatever an operator puts in the variable, parsing
// returns a keyring or an error, never a panic.
func FuzzParseKeyring(f *testing.F) {
	for _, s := range []string{"", ",", ":", "a:", ":AAAA", b64(key(1)), "x:" + b64(key(1)) + "," + b64(key(2)), "\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kr, err := secrets.ParseKeyring(s)
		if err == nil && kr.CurrentKeyID() == "" {
			t.Fatal("a keyring without a current key")
		}
	})
}
