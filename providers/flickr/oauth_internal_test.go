package flickr

import (
	"net/url"
	"testing"
)

// The signer is checked against published vectors, not only against the
// simulator, so that a shared misreading of the spec cannot pass.
func TestSignatureBaseStringKnownAnswers(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		endpoint string
		params   url.Values
		want     string
	}{
		{
			// RFC 5849 §3.4.1.1: query and form parameters, a repeated
			// name, an empty value and characters needing double encoding.
			name:     "RFC 5849 section 3.4.1.1 example",
			method:   "POST",
			endpoint: "http://example.com/request",
			params: url.Values{
				"b5": {"=%3D"}, "a3": {"a", "2 q"}, "c@": {""}, "a2": {"r b"}, "c2": {""},
				"oauth_consumer_key": {"9djdj82h48djs9d2"}, "oauth_token": {"kkk9d7dh3k39sjv7"},
				"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"137131201"},
				"oauth_nonce": {"7d8f3e4a"}, "oauth_signature": {"djosJKDKJSD8743243%2Fjdk33klY%3D"},
			},
			want: "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
		},
		{
			// Flickr's OAuth documentation, "Getting a Request Token".
			name:     "Flickr documentation request token example",
			method:   "GET",
			endpoint: "https://www.flickr.com/services/oauth/request_token",
			params: url.Values{
				"oauth_nonce": {"95613465"}, "oauth_timestamp": {"1305586162"},
				"oauth_consumer_key": {"653e7a6ecc1d528c516cc8f92cf98611"}, "oauth_signature_method": {"HMAC-SHA1"},
				"oauth_version": {"1.0"}, "oauth_callback": {"http://www.example.com"},
			},
			want: "GET&https%3A%2F%2Fwww.flickr.com%2Fservices%2Foauth%2Frequest_token&oauth_callback%3Dhttp%253A%252F%252Fwww.example.com%26oauth_consumer_key%3D653e7a6ecc1d528c516cc8f92cf98611%26oauth_nonce%3D95613465%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1305586162%26oauth_version%3D1.0",
		},
		{
			name:     "a default port is dropped and the host lower-cased",
			method:   "get",
			endpoint: "HTTPS://API.Flickr.com:443/services/rest",
			params:   url.Values{"method": {"flickr.test.login"}},
			want:     "GET&https%3A%2F%2Fapi.flickr.com%2Fservices%2Frest&method%3Dflickr.test.login",
		},
		{
			name:     "a name sorts before a longer name it prefixes",
			method:   "GET",
			endpoint: "http://127.0.0.1:8080/services/rest",
			params:   url.Values{"a-b": {"1"}, "a": {"2"}, "a.c": {"3"}},
			want:     "GET&http%3A%2F%2F127.0.0.1%3A8080%2Fservices%2Frest&a%3D2%26a-b%3D1%26a.c%3D3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := baseString(tt.method, tt.endpoint, tt.params); got != tt.want {
				t.Errorf("baseString =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSignatureKnownAnswers(t *testing.T) {
	tests := []struct {
		name  string
		s     signer
		nonce string
		ts    int64
		want  string
	}{
		{
			// OAuth Core 1.0 Appendix A.5, the photos.example.net request
			// that RFC 5849 §1.2 retells.
			name:  "OAuth Core 1.0 appendix A example",
			s:     signer{"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"},
			nonce: "kllo9940pd9333jh",
			ts:    1191242096,
			want:  "tR3+Ty81lMeYAr/Fid0kMTYa/WM=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := url.Values{"file": {"vacation.jpg"}, "size": {"original"}}
			tt.s.sign("GET", "http://photos.example.net/photos", params, tt.nonce, tt.ts)
			if got := params.Get("oauth_signature"); got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPercentEncodeFollowsRFC3986(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b+c", "a%20b%2Bc"},
		{"*'()!", "%2A%27%28%29%21"},
		{"é", "%C3%A9"},
		{"http://x/?a=1&b", "http%3A%2F%2Fx%2F%3Fa%3D1%26b"},
	}
	for _, tt := range tests {
		if got := percentEncode(tt.in); got != tt.want {
			t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
