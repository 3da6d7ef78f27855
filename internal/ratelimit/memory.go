package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is a Store in process memory, for a single instance. Expired
// windows are swept as new keys arrive, so memory stays proportional to the
// callers active in one window.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	windows   map[string]*window
	nextSweep time.Time
}

type window struct {
	used  int
	reset time.Time
}

// NewMemory returns an empty Memory store reading the time from now (nil
// means time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, windows: map[string]*window{}}
}

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string, cost, limit int, d time.Duration) (Result, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.After(m.nextSweep) {
		for k, w := range m.windows {
			if !now.Before(w.reset) {
				delete(m.windows, k)
			}
		}
		m.nextSweep = now.Add(d)
	}
	w, ok := m.windows[key]
	if !ok || !now.Before(w.reset) {
		w = &window{reset: now.Add(d)}
		m.windows[key] = w
	}
	res := Result{Limit: limit, Cost: cost, Used: w.used, ResetAt: w.reset}
	if w.used+cost > limit {
		return res, nil
	}
	w.used += cost
	res.Used, res.Allowed = w.used, true
	return res, nil
}
