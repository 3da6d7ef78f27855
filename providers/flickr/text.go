package flickr

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
)

// Flickr's text fields are HTML as its web pages show them: group names
// arrive entity-encoded ("Reykjavík ☃ &amp; friends"), and descriptions,
// rules and the role names are HTML fragments (links, <b>, <br>). The domain
// holds plain text, so that names sort, filter and page as people read them
// and no client is handed markup from upstream to render.

// plainName decodes a name's character references ("&amp;" is "&"). A name
// is not markup, so a "<" in it stays as it is.
func plainName(s flexString) string { return strings.TrimSpace(html.UnescapeString(string(s))) }

// htmlText turns an HTML fragment into the text a reader sees: tags
// dropped, character references decoded, <br> and the ends of blocks as
// line breaks, the content of <script> and <style> left out.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				b.WriteByte('\n')
			case "script", "style":
				skip++
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr":
				b.WriteByte('\n')
			case "script", "style":
				skip = max(skip-1, 0)
			}
		}
	}
}

// textPtr is htmlText of an optional field.
func textPtr(s *flexString) *string {
	if s == nil {
		return nil
	}
	v := htmlText(string(*s))
	return &v
}
