package playground

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"path"
	"time"
)

// vendored holds the npm bundles written by scripts/fetch-playground-assets.sh
// (with their licenses and VERSIONS.md); own holds the files written here.
// Both are served under the same assets/ URL prefix.
//
//go:embed assets
var vendored embed.FS

//go:embed static
var own embed.FS

//go:embed page.html.tmpl
var pageSource string

//go:embed bootstrap.js.tmpl
var bootstrapSource string

// asset is one servable embedded file.
type asset struct {
	body        []byte
	contentType string
	sri         string // "sha256-<base64>", as in an integrity attribute
	version     string // short hex digest, used as the cache-busting query
}

// assets maps a name relative to the assets/ URL prefix to its file. It is
// built once from the embedded, read-only file systems.
var assets = loadAssets()

// zeroTime tells http.ServeContent there is no modification time: the
// ETag carries the validation instead.
var zeroTime time.Time

// contentTypes are the types of the embedded files; anything else (LICENSE,
// VERSIONS.md) is plain text.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

func loadAssets() map[string]asset {
	m := map[string]asset{}
	for _, src := range []struct {
		fsys fs.FS
		root string
	}{{vendored, "assets"}, {own, "static"}} {
		err := fs.WalkDir(src.fsys, src.root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := fs.ReadFile(src.fsys, p)
			if err != nil {
				return err
			}
			ct, ok := contentTypes[path.Ext(p)]
			if !ok {
				ct = "text/plain; charset=utf-8"
			}
			sum := sha256.Sum256(body)
			m[p[len(src.root)+1:]] = asset{
				body:        body,
				contentType: ct,
				sri:         "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
				version:     hex.EncodeToString(sum[:6]),
			}
			return nil
		})
		if err != nil {
			// The files are compiled in; failing to read them is a broken build.
			panic("playground: reading embedded assets: " + err.Error())
		}
	}
	return m
}
