package provision

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Engine defaults.
const (
	DefaultWorkers       = 4
	DefaultLeaseTTL      = 2 * time.Minute
	DefaultPoll          = 250 * time.Millisecond
	DefaultFullReconcile = time.Hour
	DefaultAppParallel   = 4
	backoffBase          = time.Second
	backoffMax           = time.Hour
)

// Engine leases dirty keys and reconciles them into applications.
type Engine struct {
	Store   *sqlstore.Store
	Manager *Manager
	Events  EventSink
	// Owner names this engine in leases; it must differ between the
	// replicas sharing a database, so the default is the host name, the
	// process id and a random suffix.
	Owner string
	// Workers is how many keys are worked on at once (DefaultWorkers).
	Workers int
	// AppParallel bounds concurrent calls per application (DefaultAppParallel).
	AppParallel int
	// LeaseTTL is how long a lease lasts before another worker may take the key.
	LeaseTTL time.Duration
	// Poll is how often Run looks for due keys.
	Poll time.Duration
	// FullReconcile is how often Run runs MarkAll, the full reconcile of
	// every active integration (DefaultFullReconcile; negative turns it
	// off).
	FullReconcile time.Duration
	// Now is the clock; Rand the jitter source (both defaulted).
	Now  func() time.Time
	Rand *rand.Rand
	// Sleep waits for d or until ctx ends (for rate-limit pacing).
	Sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	apps  map[string]*appConn
	randM sync.Mutex

	ownerOnce    sync.Once
	defaultOwner string
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) owner() string {
	if e.Owner != "" {
		return e.Owner
	}
	e.ownerOnce.Do(func() { e.defaultOwner = processOwner() })
	return e.defaultOwner
}

// processOwner names this process: host name, process id and 32 random
// bits (a restarted container can reuse both host name and pid).
func processOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "engine"
	}
	var b [4]byte
	_, _ = crand.Read(b[:]) // never fails on supported platforms
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (e *Engine) ttl() time.Duration {
	if e.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return e.LeaseTTL
}

func (e *Engine) workers() int {
	if e.Workers <= 0 {
		return DefaultWorkers
	}
	return e.Workers
}

func (e *Engine) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (e *Engine) record(ctx context.Context, ev Event) {
	ev.At = e.now()
	if e.Events != nil {
		_ = e.Events.Record(ctx, ev)
	}
}

// jitter returns d scaled by a random factor in [0.5, 1.5).
func (e *Engine) jitter(d time.Duration) time.Duration {
	e.randM.Lock()
	defer e.randM.Unlock()
	f := 0.5
	if e.Rand != nil {
		f += e.Rand.Float64()
	} else {
		f += rand.Float64()
	}
	return time.Duration(float64(d) * f)
}

// backoff is the wait before attempt number attempts+1.
func (e *Engine) backoff(attempts int, err error) time.Duration {
	d := backoffBase
	for i := 0; i < attempts && d < backoffMax; i++ {
		d *= 2
	}
	d = min(e.jitter(d), backoffMax)
	if ra := connector.RetryAfter(err); ra > d {
		d = ra
	}
	return d
}

// Drain works until no key is due (only backing-off keys, or none, remain).
func (e *Engine) Drain(ctx context.Context) error {
	for {
		n, err := e.step(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// step leases a batch of due keys and works on them; it returns how many.
func (e *Engine) step(ctx context.Context) (int, error) {
	ls, err := lease(ctx, e.Store, e.owner(), e.workers()*4, e.now(), e.ttl())
	if err != nil {
		return 0, err
	}
	keys := make([]Key, len(ls))
	for i, l := range ls {
		keys[i] = l.Key
	}
	kp := e.hold(ctx, keys)
	defer kp.close()
	sem := make(chan struct{}, e.workers())
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for _, l := range ls {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := e.work(ctx, kp, l); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(ls), firstErr
}

// Outcome is the result of reconciling one key.
type Outcome struct {
	Key
	Success bool   `json:"success"`
	Error   string `json:"error,omitempty"`
	Status  int    `json:"status,omitempty"`
}

// work reconciles one leased key and records the outcome. Only storage
// errors are returned; application errors schedule a retry.
func (e *Engine) work(ctx context.Context, kp *keeper, l leased) error {
	_, err := e.reconcileLeased(ctx, kp, l)
	return err
}

// reconcileLeased works one leased key; kp renews its lease until the
// outcome is recorded.
func (e *Engine) reconcileLeased(ctx context.Context, kp *keeper, l leased) (Outcome, error) {
	out := Outcome{Key: l.Key}
	ac, err := e.appConn(ctx, l.AppID)
	var post func(tx *sqlstore.Tx) error
	if err == nil {
		ac.sem <- struct{}{}
		if l.Kind == KindUser {
			post, err = e.reconcileUser(ctx, ac, l.SubjectID)
		} else {
			post, err = e.reconcileGroup(ctx, ac, l.SubjectID)
		}
		<-ac.sem
	}
	if err != nil && ctx.Err() != nil {
		return out, ctx.Err()
	}
	out.Success = err == nil
	if err != nil {
		out.Error = err.Error()
		if ce := connector.AsError(err); ce != nil {
			out.Status = ce.HTTPStatus
		}
	}
	dbErr := e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
		if err != nil {
			return retryLater(ctx, tx, e.owner(), l, e.now().Add(e.backoff(l.Attempts, err)), out.Status, out.Error)
		}
		if post != nil {
			if err := post(tx); err != nil {
				return err
			}
		}
		return finish(ctx, tx, e.owner(), l)
	})
	// Renewal stops only now: the lease is kept while the outcome is
	// recorded (a renewal after it finds the lease gone and does nothing).
	kp.release(l.Key)
	return out, dbErr
}

// errInactive ends work on an application that was deactivated.
var errInactive = errors.New("provision: integration is not active")

// appConn is a connector built from an application's current settings.
type appConn struct {
	appID    string
	settings storedSettings
	conn     connector.Connector
	sem      chan struct{}
	gate     *gate
}

// appConn returns the connector of appID, rebuilt when settings changed.
func (e *Engine) appConn(ctx context.Context, appID string) (*appConn, error) {
	var s *storedSettings
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		s, _, err = loadSettings(ctx, tx, appID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.Active {
		return nil, errInactive
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.apps == nil {
		e.apps = map[string]*appConn{}
	}
	if ac := e.apps[appID]; ac != nil && ac.settings == *s {
		return ac, nil
	}
	cfg, err := e.Manager.connectorConfig(s)
	if err != nil {
		return nil, err
	}
	par := e.AppParallel
	if par <= 0 {
		par = DefaultAppParallel
	}
	g := &gate{e: e, appID: appID, next: cfg.Doer}
	if g.next == nil {
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{}
		}
		g.next = hc
	}
	cfg.Doer = g
	cfg.OnRateLimit = g.onRateLimit
	conn, err := e.Manager.Registry.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("provision: open connector: %w", err)
	}
	ac := &appConn{appID: appID, settings: *s, conn: conn, sem: make(chan struct{}, par), gate: g}
	e.apps[appID] = ac
	return ac, nil
}
