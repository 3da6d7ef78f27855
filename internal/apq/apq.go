// Package apq stores persisted GraphQL documents by their SHA-256 hash, for
// Automatic Persisted Queries (a client sends a hash instead of the whole
// document, and the document once when the server does not know it yet)
// and for safelisting (only documents loaded from a client's manifest may
// run).
//
// Stores: Memory (an LRU, for APQ in one instance, with manifest
// documents kept outside its bound), List (unbounded, for a
// safelist that must never forget an entry) and Redis (shared by every
// instance; APQ entries expire, manifest entries do not).
package apq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Store keeps documents by hash.
type Store interface {
	// Get returns the document registered under hash.
	Get(ctx context.Context, hash string) (string, bool)
	// Add registers a document under hash.
	Add(ctx context.Context, hash, query string)
}

// Permanent is a Store that can keep a document apart from client
// registrations: never expired, never evicted. ImportManifest uses it when
// the store has it, so that a manifest's documents stay whatever clients
// register.
type Permanent interface {
	AddPermanent(ctx context.Context, hash, query string)
}

// Hash is the hex SHA-256 of a document, the key APQ clients send.
func Hash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// DefaultCacheSize is the number of documents a Memory store keeps.
const DefaultCacheSize = 1000

// Memory is an LRU store in process memory for client registrations, with
// an unbounded list beside it for manifest documents.
type Memory struct {
	lru       *lru.Cache[string, string]
	permanent *List
}

// NewMemory returns an LRU store keeping up to size documents (0 means
// DefaultCacheSize).
func NewMemory(size int) *Memory {
	if size <= 0 {
		size = DefaultCacheSize
	}
	c, _ := lru.New[string, string](size) // only fails for size <= 0
	return &Memory{lru: c, permanent: NewList()}
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := m.permanent.Get(ctx, hash); ok {
		return q, true
	}
	return m.lru.Get(hash)
}

// Add implements Store.
func (m *Memory) Add(ctx context.Context, hash, query string) {
	if _, ok := m.permanent.Get(ctx, hash); ok {
		return
	}
	m.lru.Add(hash, query)
}

// AddPermanent implements Permanent: the document is kept outside the
// LRU's bound.
func (m *Memory) AddPermanent(ctx context.Context, hash, query string) {
	m.permanent.Add(ctx, hash, query)
	m.lru.Remove(hash)
}

// List is an unbounded store in process memory, for safelists: a manifest
// entry must stay allowed however many others there are.
type List struct {
	mu   sync.RWMutex
	docs map[string]string
}

// NewList returns an empty List.
func NewList() *List { return &List{docs: map[string]string{}} }

// Get implements Store.
func (l *List) Get(_ context.Context, hash string) (string, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	q, ok := l.docs[hash]
	return q, ok
}

// Add implements Store.
func (l *List) Add(_ context.Context, hash, query string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.docs[hash] = query
}

// AddPermanent implements Permanent; every List entry is.
func (l *List) AddPermanent(ctx context.Context, hash, query string) { l.Add(ctx, hash, query) }

// Len is the number of documents.
func (l *List) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.docs)
}
