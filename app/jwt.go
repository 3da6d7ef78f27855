package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// newJWTAuthenticator returns the authenticator of the configured issuer's
// JWTs, or nil when none is configured.
func newJWTAuthenticator(cfg config.JWT, st store.Store, _ *slog.Logger) (auth.Authenticator, error) {
	if cfg.Issuer == "" {
		return nil, nil
	}
	return auth.NewJWT(auth.JWTOptions{
		Issuer: cfg.Issuer, Audience: cfg.Audience, JWKSURL: cfg.JWKSURL, HS256Secret: []byte(cfg.HS256Secret),
		Viewers: subjectViewers{st},
	})
}

// subjectViewers maps a JWT subject to the viewer named "jwt:<subject>",
// creating it on first sight.
type subjectViewers struct{ st store.Store }

// errSubjectSpaces refuses a subject the store would not keep as it is.
var errSubjectSpaces = errors.New("jwt: the subject is blank or has leading or trailing white space")

func (s subjectViewers) ViewerForSubject(ctx context.Context, subject string) (*providers.Viewer, error) {
	// The store trims viewer names, so "alice " would find the viewer of
	// "alice": a subject is opaque and must map to its viewer exactly.
	if subject == "" || strings.TrimSpace(subject) != subject {
		return nil, errSubjectSpaces
	}
	name := "jwt:" + subject
	v, err := s.st.ViewerByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		v, err = s.st.CreateViewer(ctx, name)
		if errors.Is(err, store.ErrConflict) { // created by a concurrent first request
			v, err = s.st.ViewerByName(ctx, name)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.st.LoadViewer(ctx, v.ID)
}
