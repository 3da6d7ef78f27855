package secrets_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/secrets"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secrets.KeySize) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustKeyring(t *testing.T, keys ...secrets.Key) *secrets.Keyring {
	t.Helper()
	kr, err := secrets.NewKeyring(keys...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return kr
}

func TestSealOpen(t *testing.T) {
	kr := mustKeyring(t, secrets.Key{ID: "k1", Material: key(1)})
	plaintext := []byte("oauth token secret")
	aad := []byte("account/acc_1")

	blob, err := kr.Seal(plaintext, aad)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a sealed blob opens to the plaintext", func(t *testing.T) {
		got, err := kr.Open(blob, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Fatalf("Open = %q, want %q", got, plaintext)
		}
	})

	t.Run("the blob does not contain the plaintext", func(t *testing.T) {
		if bytes.Contains(blob, plaintext) {
			t.Fatal("blob holds the plaintext")
		}
	})

	t.Run("sealing twice gives different blobs", func(t *testing.T) {
		again, _ := kr.Seal(plaintext, aad)
		if bytes.Equal(again, blob) {
			t.Fatal("two seals of the same plaintext are equal: nonce reuse")
		}
	})

	t.Run("the blob names its key", func(t *testing.T) {
		id, err := secrets.BlobKeyID(blob)
		if err != nil || id != "k1" {
			t.Fatalf("BlobKeyID = %q, %v; want k1", id, err)
		}
	})

	t.Run("an empty plaintext round trips", func(t *testing.T) {
		b, _ := kr.Seal(nil, aad)
		got, err := kr.Open(b, aad)
		if err != nil || len(got) != 0 {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})

	t.Run("every altered byte is detected", func(t *testing.T) {
		for i := range blob {
			tampered := bytes.Clone(blob)
			tampered[i] ^= 0x01
			if _, err := kr.Open(tampered, aad); err == nil {
				t.Fatalf("Open accepted a blob with byte %d flipped", i)
			}
		}
	})

	t.Run("a truncated blob is refused", func(t *testing.T) {
		for n := range len(blob) {
			if _, err := kr.Open(blob[:n], aad); err == nil {
				t.Fatalf("Open accepted the first %d bytes", n)
			}
		}
	})

	t.Run("other additional data is refused", func(t *testing.T) {
		_, err := kr.Open(blob, []byte("account/acc_2"))
		if !errors.Is(err, secrets.ErrAuthentication) {
			t.Fatalf("Open = %v, want ErrAuthentication", err)
		}
	})

	t.Run("a keyring without the key says which key is missing", func(t *testing.T) {
		other := mustKeyring(t, secrets.Key{ID: "k2", Material: key(2)})
		_, err := other.Open(blob, aad)
		if !errors.Is(err, secrets.ErrUnknownKey) || !strings.Contains(err.Error(), `"k1"`) {
			t.Fatalf("Open = %v, want ErrUnknownKey naming k1", err)
		}
	})

	t.Run("a different key under the same id is refused", func(t *testing.T) {
		impostor := mustKeyring(t, secrets.Key{ID: "k1", Material: key(9)})
		if _, err := impostor.Open(blob, aad); !errors.Is(err, secrets.ErrAuthentication) {
			t.Fatalf("Open = %v, want ErrAuthentication", err)
		}
	})

	t.Run("a nil keyring says no key is configured", func(t *testing.T) {
		var nilKR *secrets.Keyring
		if _, err := nilKR.Seal(plaintext, aad); !errors.Is(err, secrets.ErrNoKey) {
			t.Fatalf("Seal = %v, want ErrNoKey", err)
		}
		if _, err := nilKR.Open(blob, aad); !errors.Is(err, secrets.ErrNoKey) {
			t.Fatalf("Open = %v, want ErrNoKey", err)
		}
	})
}

func TestRotation(t *testing.T) {
	old := mustKeyring(t, secrets.Key{ID: "old", Material: key(1)})
	oldBlob, _ := old.Seal([]byte("secret"), []byte("row"))

	rotated := mustKeyring(t, secrets.Key{ID: "new", Material: key(2)}, secrets.Key{ID: "old", Material: key(1)})

	t.Run("blobs sealed under the old key still open", func(t *testing.T) {
		got, err := rotated.Open(oldBlob, []byte("row"))
		if err != nil || string(got) != "secret" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})

	t.Run("new blobs use the new key", func(t *testing.T) {
		blob, _ := rotated.Seal([]byte("secret"), []byte("row"))
		if id, _ := secrets.BlobKeyID(blob); id != "new" {
			t.Fatalf("key id = %q, want new", id)
		}
		if rotated.CurrentKeyID() != "new" {
			t.Fatalf("CurrentKeyID = %q", rotated.CurrentKeyID())
		}
	})

	t.Run("the old keyring cannot open the new blobs", func(t *testing.T) {
		blob, _ := rotated.Seal([]byte("secret"), []byte("row"))
		if _, err := old.Open(blob, []byte("row")); !errors.Is(err, secrets.ErrUnknownKey) {
			t.Fatalf("Open = %v, want ErrUnknownKey", err)
		}
	})
}

func TestParseKeyring(t *testing.T) {
	k1, k2 := key(1), key(2)
	tests := []struct {
		name    string
		in      string
		wantIDs []string
		wantErr error
	}{
		{"a bare key gets its fingerprint id", b64(k1), []string{secrets.FingerprintID(k1)}, nil},
		{"an unpadded URL-safe key is accepted", base64.RawURLEncoding.EncodeToString(k1), []string{secrets.FingerprintID(k1)}, nil},
		{"named keys keep their names, first is current", "new:" + b64(k2) + ",old:" + b64(k1), []string{"new", "old"}, nil},
		{"bare keys can be listed for rotation", b64(k2) + ", " + b64(k1), []string{secrets.FingerprintID(k2), secrets.FingerprintID(k1)}, nil},
		{"a key file may list one key per line", "new:" + b64(k2) + "\nold:" + b64(k1) + "\n", []string{"new", "old"}, nil},
		{"an empty value means no key", " , ", nil, secrets.ErrNoKey},
		{"a 16-byte key is refused", b64(k1[:16]), nil, secrets.ErrInvalidKey},
		{"a 64-byte key is refused", b64(append(k1, k2...)), nil, secrets.ErrInvalidKey},
		{"text that is not base64 is refused", "correct horse battery staple", nil, secrets.ErrInvalidKey},
		{"an empty id is refused", ":" + b64(k1), nil, secrets.ErrInvalidKey},
		{"an id with a slash is refused", "a/b:" + b64(k1), nil, secrets.ErrInvalidKey},
		{"the same id twice is refused", "a:" + b64(k1) + ",a:" + b64(k2), nil, secrets.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := secrets.ParseKeyring(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseKeyring error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), b64(k1)) || strings.Contains(err.Error(), b64(k2)) {
					t.Fatalf("error %q contains key material", err)
				}
				return
			}
			if got := kr.KeyIDs(); strings.Join(got, ",") != strings.Join(tt.wantIDs, ",") {
				t.Fatalf("KeyIDs = %v, want %v", got, tt.wantIDs)
			}
		})
	}

	t.Run("a wrong-size key error tells what is expected", func(t *testing.T) {
		_, err := secrets.ParseKeyring(b64(k1[:16]))
		if err == nil || !strings.Contains(err.Error(), "16 bytes, want 32") {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestLoadKeyring(t *testing.T) {
	k := b64(key(3))
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("main:"+k+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("reads the inline variable", func(t *testing.T) {
		kr, err := secrets.LoadKeyring(env(map[string]string{secrets.EnvKey: "main:" + k}))
		if err != nil || kr.CurrentKeyID() != "main" {
			t.Fatalf("LoadKeyring = %v, %v", kr, err)
		}
	})
	t.Run("reads the key file", func(t *testing.T) {
		kr, err := secrets.LoadKeyring(env(map[string]string{secrets.EnvKeyFile: file}))
		if err != nil || kr.CurrentKeyID() != "main" {
			t.Fatalf("LoadKeyring = %v, %v", kr, err)
		}
	})
	t.Run("nothing set is ErrNoKey", func(t *testing.T) {
		if _, err := secrets.LoadKeyring(env(nil)); !errors.Is(err, secrets.ErrNoKey) {
			t.Fatalf("LoadKeyring = %v, want ErrNoKey", err)
		}
	})
	t.Run("both set is refused", func(t *testing.T) {
		_, err := secrets.LoadKeyring(env(map[string]string{secrets.EnvKey: k, secrets.EnvKeyFile: file}))
		if !errors.Is(err, secrets.ErrInvalidKey) {
			t.Fatalf("LoadKeyring = %v, want ErrInvalidKey", err)
		}
	})
	t.Run("a bad inline key names the variable", func(t *testing.T) {
		_, err := secrets.LoadKeyring(env(map[string]string{secrets.EnvKey: "short"}))
		if !errors.Is(err, secrets.ErrInvalidKey) || !strings.Contains(err.Error(), secrets.EnvKey) {
			t.Fatalf("LoadKeyring = %v", err)
		}
	})
	t.Run("a missing key file is an error", func(t *testing.T) {
		if _, err := secrets.LoadKeyring(env(map[string]string{secrets.EnvKeyFile: file + ".missing"})); err == nil {
			t.Fatal("LoadKeyring succeeded")
		}
	})
}

func TestGenerateKey(t *testing.T) {
	k, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.ParseKeyring(k); err != nil {
		t.Fatalf("a generated key does not parse: %v", err)
	}
}
