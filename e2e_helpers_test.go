package main

import "encoding/base64"

func encodeForTest(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
