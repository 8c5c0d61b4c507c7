package auth

// Limiter bounds how many password hashes run at once. Each argon2id hash
// holds Params.Memory (19 MiB by default) while it runs, so a burst of
// sign-ins without a bound could take hundreds of MiB; with one, the extra
// sign-ins wait their turn (a hash takes tens of milliseconds).
type Limiter struct{ slots chan struct{} }

// NewLimiter allows n hashes at once (at least 1).
func NewLimiter(n int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(n, 1))}
}

func (l *Limiter) acquire() func() {
	if l == nil {
		return func() {}
	}
	l.slots <- struct{}{}
	return func() { <-l.slots }
}

// InUse is how many hashes run now.
func (l *Limiter) InUse() int {
	if l == nil {
		return 0
	}
	return len(l.slots)
}
