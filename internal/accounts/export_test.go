package accounts

// WaitReads waits for the background reads in flight, so that tests follow
// the read's landing rather than time it.
func (s *Statuses) WaitReads() { s.reads.Wait() }
