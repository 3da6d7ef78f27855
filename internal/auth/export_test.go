package auth

import "time"

// SetClock replaces the clock of t's memory of tokens.
func (t *Tokens) SetClock(now func() time.Time) { t.now = now }
