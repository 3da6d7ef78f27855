package secrets

import (
	"crypto/rand"
	"fmt"
)

// Blob layout, version 1:
//
//	version (1 byte) | len(keyID) (1 byte) | keyID | nonce (12 bytes) | GCM ciphertext and tag
//
// The header (version and key ID) is authenticated together with the
// caller's additional data, so neither can be edited without Open failing.
const (
	blobVersion1 = 1
	nonceSize    = 12
)

// Seal encrypts plaintext under the current key, bound to additionalData:
// Open succeeds only with the same additional data. The result names the key
// that sealed it.
func (kr *Keyring) Seal(plaintext, additionalData []byte) ([]byte, error) {
	if kr == nil {
		return nil, ErrNoKey
	}
	aead := kr.aeads[kr.current]
	header := make([]byte, 0, 2+len(kr.current))
	header = append(header, blobVersion1, byte(len(kr.current)))
	header = append(header, kr.current...)

	out := make([]byte, 0, len(header)+nonceSize+len(plaintext)+aead.Overhead())
	out = append(out, header...)
	nonce := out[len(header) : len(header)+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: reading random nonce: %w", err)
	}
	out = out[:len(header)+nonceSize]
	return aead.Seal(out, nonce, plaintext, aad(header, additionalData)), nil
}

// Open decrypts a blob Seal produced, under whichever key of the keyring
// sealed it, checking that it was bound to additionalData.
func (kr *Keyring) Open(blob, additionalData []byte) ([]byte, error) {
	if kr == nil {
		return nil, ErrNoKey
	}
	header, id, rest, err := parseHeader(blob)
	if err != nil {
		return nil, err
	}
	aead, ok := kr.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	if len(rest) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	plaintext, err := aead.Open(nil, rest[:nonceSize], rest[nonceSize:], aad(header, additionalData))
	if err != nil {
		return nil, fmt.Errorf("%w (key id %q)", ErrAuthentication, id)
	}
	return plaintext, nil
}

// BlobKeyID returns the ID of the key that sealed blob, without opening it.
func BlobKeyID(blob []byte) (string, error) {
	_, id, _, err := parseHeader(blob)
	return id, err
}

func parseHeader(blob []byte) (header []byte, id string, rest []byte, err error) {
	if len(blob) < 2 {
		return nil, "", nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	if blob[0] != blobVersion1 {
		return nil, "", nil, fmt.Errorf("%w: unknown version %d", ErrMalformed, blob[0])
	}
	n := int(blob[1])
	if n == 0 || len(blob) < 2+n {
		return nil, "", nil, fmt.Errorf("%w: bad key id length", ErrMalformed)
	}
	id = string(blob[2 : 2+n])
	if validID(id) != nil {
		return nil, "", nil, fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	return blob[:2+n], id, blob[2+n:], nil
}

// aad authenticates the header along with the caller's data. The header has
// its own length inside it, so the concatenation is unambiguous.
func aad(header, additionalData []byte) []byte {
	b := make([]byte, 0, len(header)+len(additionalData))
	b = append(b, header...)
	return append(b, additionalData...)
}
