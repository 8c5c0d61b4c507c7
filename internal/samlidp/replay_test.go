package samlidp_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// sqliteReplayStore is a ReplayStore on a temporary SQLite file, the way a
// storage backend implements it: one conditional insert.
type sqliteReplayStore struct{ db *sql.DB }

func newSQLiteReplayStore(t *testing.T) *sqliteReplayStore {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "replay.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE saml_requests (sp TEXT NOT NULL, id TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (sp, id))`); err != nil {
		t.Fatal(err)
	}
	return &sqliteReplayStore{db: db}
}

func (s *sqliteReplayStore) MarkRequestUsed(ctx context.Context, sp, id string, expires time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO saml_requests (sp, id, expires) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, sp, id, expires.Unix())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

var _ samlidp.ReplayStore = (*sqliteReplayStore)(nil)

func TestCheckReplay(t *testing.T) {
	store := newSQLiteReplayStore(t)
	cfg := baseConfig(t)
	q := "SAMLRequest=" + url.QueryEscape(deflateB64(t, authnRequestXML(reqOpts{id: "_once"})))
	ctx := context.Background()
	req, err := samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := samlidp.CheckReplay(ctx, store, req); err != nil {
		t.Fatalf("first use: %v", err)
	}
	again, err := samlidp.ParseAuthnRequest(redirectRequest(q), lookupFor(cfg), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := samlidp.CheckReplay(ctx, store, again); !errors.Is(err, samlidp.ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	// The same ID from another SP is a different request.
	other := *again
	other.SPEntityID = "https://other.example"
	if err := samlidp.CheckReplay(ctx, store, &other); err != nil {
		t.Fatalf("same ID, other SP: %v", err)
	}
	var expires int64
	if err := store.db.QueryRow(`SELECT expires FROM saml_requests WHERE id = '_once' AND sp = ?`, testSPEntityID).Scan(&expires); err != nil {
		t.Fatal(err)
	}
	if got := time.Unix(expires, 0); got.Before(req.IssueInstant.Add(samlidp.MaxRequestAge)) {
		t.Errorf("kept until %v, shorter than the IssueInstant window", got)
	}

	// Concurrent replays: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := *req
			r.ID = "_race"
			if samlidp.CheckReplay(ctx, store, &r) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent uses accepted, want 1", wins)
	}
}

type failingStore struct{}

func (failingStore) MarkRequestUsed(context.Context, string, string, time.Time) (bool, error) {
	return false, errors.New("disk full")
}

func TestCheckReplayStoreError(t *testing.T) {
	err := samlidp.CheckReplay(context.Background(), failingStore{}, &samlidp.AuthnRequest{ID: "_x", SPEntityID: testSPEntityID})
	if err == nil || errors.Is(err, samlidp.ErrReplayed) {
		t.Errorf("store failure reported as %v", err)
	}
}
