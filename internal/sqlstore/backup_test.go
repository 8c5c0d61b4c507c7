package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/secrets"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

var backupActor = directory.Actor{Type: directory.ActorAdmin, ID: "adm", Email: "admin@example.com"}

func backupService(t *testing.T, st *sqlstore.Store, masterKey byte) *lifecycle.Service {
	t.Helper()
	sealer, err := secrets.New(bytes.Repeat([]byte{masterKey}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return &lifecycle.Service{Store: st, Sealer: sealer, BaseURL: "https://sso.example.com/",
		Effects: []lifecycle.Effect{insights.New(st).Effect}}
}

func countEvents(t *testing.T, st *sqlstore.Store, typ insights.EventType) int64 {
	t.Helper()
	n, err := insights.New(st).Count(context.Background(), insights.Query{EventTypes: []insights.EventType{typ}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupRestore fills a database, backs it up while another goroutine
// keeps writing, and opens the copy as a fresh store: the data, the schema
// and the sealed signing key are all there, and the copy is one consistent
// moment (every user has its user_create event, written in the same
// transaction).
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := openT(t, sqliteFileDSN(t))
	svc := backupService(t, src, 7)
	var userIDs []string
	for i := range 20 {
		u, err := svc.CreateUser(ctx, backupActor, directory.User{Username: fmt.Sprintf("user%02d", i),
			Email: fmt.Sprintf("user%02d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		userIDs = append(userIDs, u.ID)
	}
	g, err := svc.CreateGroup(ctx, backupActor, directory.Group{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddMembers(ctx, backupActor, g.ID, userIDs[:5]); err != nil {
		t.Fatal(err)
	}
	app, err := svc.CreateApp(ctx, backupActor, lifecycle.NewApp{TemplateID: "quip", Label: "Quip"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetAppGroups(ctx, backupActor, app.ID, []string{g.ID}); err != nil {
		t.Fatal(err)
	}
	var sso *directory.AppSSO
	if err := src.View(ctx, func(tx directory.Tx) (err error) { sso, err = tx.GetAppSSO(ctx, app.ID); return err }); err != nil {
		t.Fatal(err)
	}
	sso.SPEntityID, sso.ACSURLs = "https://sp.example.com", []string{"https://sp.example.com/acs"}
	if _, err := svc.PutAppSSO(ctx, backupActor, app.ID, *sso); err != nil {
		t.Fatal(err)
	}

	// Writes go on during the backup.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	stopWriter := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriter()
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := svc.CreateUser(ctx, backupActor, directory.User{Username: fmt.Sprintf("late%04d", i),
				Email: fmt.Sprintf("late%04d@example.com", i)}); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
			written.Add(1)
		}
	})
	waitWritten(t, &written, 3)
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := src.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	waitWritten(t, &written, written.Load()+3)
	stopWriter()

	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}

	dst := openT(t, "sqlite:"+out)
	ms, _ := sqlstore.Migrations(sqlstore.SQLite)
	if n := countMigrations(t, dst); n != len(ms) {
		t.Fatalf("backup has %d migrations, want %d", n, len(ms))
	}
	users := countUsers(t, dst)
	if users < 23 || users >= countUsers(t, src) {
		t.Fatalf("backup has %d users; source has %d, 23 at least were written before the backup", users, countUsers(t, src))
	}
	if ev := countEvents(t, dst, insights.UserCreate); ev != int64(users) {
		t.Fatalf("backup has %d users but %d user_create events: not one consistent moment", users, ev)
	}
	if ev := countEvents(t, dst, insights.GroupAddMember); ev != 5 {
		t.Errorf("backup has %d group_add_member events, want 5", ev)
	}

	restored := backupService(t, dst, 7)
	err = dst.View(ctx, func(tx directory.Tx) error {
		got, err := tx.GetGroup(ctx, g.ID)
		if err != nil {
			return err
		}
		if got.Name != "Engineering" || got.MemberCount != 5 {
			return fmt.Errorf("group in the backup = %+v, want Engineering with 5 members", got)
		}
		bound, err := tx.AppGroupIDs(ctx, app.ID)
		if err != nil {
			return err
		}
		if len(bound) != 1 || bound[0] != g.ID {
			return fmt.Errorf("app bindings in the backup = %v", bound)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := restored.SAMLConfig(ctx, app.ID)
	if err != nil || cfg.Key == nil {
		t.Fatalf("signing key of the restored app does not open with the master key: %v", err)
	}
	if _, err := backupService(t, dst, 8).SAMLConfig(ctx, app.ID); err == nil {
		t.Fatal("the restored signing key opened under another master key")
	}
	// The restored store takes writes.
	if _, err := restored.CreateUser(ctx, backupActor, directory.User{Username: "after", Email: "after@example.com"}); err != nil {
		t.Fatal(err)
	}
}

// waitWritten waits until n writes are done (or the test's deadline).
func waitWritten(t *testing.T, written *atomic.Int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for written.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes in 30 s", written.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBackupRefusesExistingFile(t *testing.T) {
	ctx := context.Background()
	st := openT(t, sqliteFileDSN(t))
	dir := t.TempDir()
	for _, content := range []string{"keep me", ""} {
		out := filepath.Join(dir, fmt.Sprintf("exists-%d.db", len(content)))
		if err := os.WriteFile(out, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		err := st.Backup(ctx, out)
		if directory.ErrorCode(err) != directory.ECONFLICT || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("Backup over an existing file = %v, want a conflict", err)
		}
		if got, _ := os.ReadFile(out); string(got) != content {
			t.Fatalf("existing file changed to %q", got)
		}
	}
	if err := st.Backup(ctx, filepath.Join(dir, "no-such-dir", "b.db")); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("Backup into a missing directory = %v, want invalid", err)
	}
	if err := st.Backup(ctx, ""); directory.ErrorCode(err) != directory.EINVALID {
		t.Fatalf("Backup to an empty name = %v, want invalid", err)
	}
}

func TestBackupMemory(t *testing.T) {
	ctx := context.Background()
	st := openT(t, "sqlite::memory:")
	createOne(t, st)
	out := filepath.Join(t.TempDir(), "mem.db")
	if err := st.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	if n := countUsers(t, openT(t, "sqlite:"+out)); n != 1 {
		t.Fatalf("backup of an in-memory store has %d users, want 1", n)
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	st := openT(t, postgresDSN(t))
	out := filepath.Join(t.TempDir(), "pg.db")
	err := st.Backup(context.Background(), out)
	if directory.ErrorCode(err) != directory.EINVALID || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("Backup on PostgreSQL = %v, want an error pointing to pg_dump", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a file was made: %v", err)
	}
}
