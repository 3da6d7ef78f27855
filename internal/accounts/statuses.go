package accounts

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/internal/store"
)

// StatusTTL is how long a viewer's account statuses, once read, are trusted
// without reading them again. Another instance that marks an account
// NEEDS_RELINK (or ACTIVE) is noticed here within this long; what this
// instance changes itself it knows at once.
const StatusTTL = time.Minute

// statusReadTimeout bounds one background read of a viewer's statuses. The
// store's own call timeout is usually shorter; this only makes sure a read
// never outlives its usefulness.
const statusReadTimeout = 10 * time.Second

// Statuses holds the status of each linked account (ACTIVE, NEEDS_RELINK) in
// memory, per viewer, so that a platform call never waits for the store to
// learn whether it should write a status: the decorator asks Statuses, and
// Statuses answers from memory. A viewer's statuses are read once when first
// needed and again once StatusTTL has passed, both times in the background:
// until the read lands the status is unknown, which the decorator treats as
// "nothing to write" for a success. Changes this instance makes (a status
// written, an account linked or unlinked) update or drop the entry at once.
//
// While the store fails, what is held stays in use; reads are retried on
// later calls, and the store's own guard keeps them from piling up.
type Statuses struct {
	store  store.Store
	logger *slog.Logger
	now    func() time.Time
	ttl    time.Duration

	mu      sync.Mutex
	viewers map[string]*viewerStatuses
	reads   sync.WaitGroup // background reads in flight
}

// viewerStatuses is what Statuses holds of one viewer.
type viewerStatuses struct {
	byAccount map[string]heldStatus
	readAt    time.Time // of the last successful read; zero: never read
	reading   bool
}

// heldStatus is one account's status, and when this instance wrote it (zero
// when it was read), so that a read that started before the write does not
// undo it.
type heldStatus struct {
	status    store.AccountStatus
	writtenAt time.Time
}

// StatusOptions configure NewStatuses; the zero value is fine.
type StatusOptions struct {
	// TTL overrides StatusTTL.
	TTL time.Duration
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
	// Logger receives the failures of background reads at debug level (the
	// store's guard reports outages once per change of state).
	Logger *slog.Logger
}

// maxViewers bounds what Statuses holds: past it, it starts over rather
// than grow (a cache, not a record).
const maxViewers = 100_000

// NewStatuses returns an empty Statuses over s.
func NewStatuses(s store.Store, opts StatusOptions) *Statuses {
	if opts.TTL <= 0 {
		opts.TTL = StatusTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Statuses{store: s, logger: opts.Logger, now: opts.Now, ttl: opts.TTL, viewers: map[string]*viewerStatuses{}}
}

// Status returns the account's status as held in memory, and whether it is
// known. An entry missing or older than the TTL starts a background read of
// the viewer's statuses (one at a time per viewer); the call never waits
// for it.
func (s *Statuses) Status(ctx context.Context, viewerID, accountID string) (store.AccountStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(viewerID)
	if !e.reading && (e.readAt.IsZero() || s.now().Sub(e.readAt) >= s.ttl) {
		e.reading = true
		s.reads.Add(1)
		go s.read(context.WithoutCancel(ctx), viewerID, e)
	}
	h, ok := e.byAccount[accountID]
	return h.status, ok
}

// entry returns the viewer's entry, made empty if missing. Call with mu held.
func (s *Statuses) entry(viewerID string) *viewerStatuses {
	e := s.viewers[viewerID]
	if e == nil {
		if len(s.viewers) >= maxViewers {
			clear(s.viewers)
		}
		e = &viewerStatuses{byAccount: map[string]heldStatus{}}
		s.viewers[viewerID] = e
	}
	return e
}

// Set records a status this instance has just written to the store.
func (s *Statuses) Set(viewerID, accountID string, st store.AccountStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entry(viewerID).byAccount[accountID] = heldStatus{status: st, writtenAt: s.now()}
}

// Forget drops what is held of the viewer, after a change that adds or
// removes accounts (a link, a relink, an unlink): the next call reads again.
func (s *Statuses) Forget(viewerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.viewers, viewerID)
}

// read replaces e's statuses with the store's. A failed read keeps what e
// held, to be read again on a later call.
func (s *Statuses) read(ctx context.Context, viewerID string, e *viewerStatuses) {
	defer s.reads.Done()
	ctx, cancel := context.WithTimeout(ctx, statusReadTimeout)
	defer cancel()
	started := s.now()
	las, err := s.store.LinkedAccounts(ctx, viewerID)
	s.mu.Lock()
	defer s.mu.Unlock()
	e.reading = false
	if err != nil {
		s.logger.DebugContext(ctx, "accounts: reading account statuses failed", "error", err)
		return
	}
	if s.viewers[viewerID] != e {
		return // forgotten meanwhile: what was read may predate the change
	}
	byAccount := make(map[string]heldStatus, len(las))
	for _, la := range las {
		h := heldStatus{status: la.Status}
		// A status this instance wrote after the read started is newer
		// than what the read saw.
		if old, ok := e.byAccount[la.ID]; ok && !old.writtenAt.IsZero() && !old.writtenAt.Before(started) {
			h = old
		}
		byAccount[la.ID] = h
	}
	// What this instance wrote of accounts the store does not hold (a
	// static viewer's) is known only here.
	for id, old := range e.byAccount {
		if _, stored := byAccount[id]; !stored && !old.writtenAt.IsZero() {
			byAccount[id] = old
		}
	}
	e.byAccount, e.readAt = byAccount, started
}
