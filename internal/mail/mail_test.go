package mail_test

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/jumpgate-idp/jumpgate/internal/mail"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Received is one message a test SMTP server accepted.
type received struct {
	From string
	To   []string
	Data string
}

type backend struct {
	mu   sync.Mutex
	msgs []received
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b   *backend
	cur received
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = string(b)
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func TestSMTPSend(t *testing.T) {
	be := &backend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	port, _ := strconv.Atoi(strings.Split(l.Addr().String(), ":")[1])
	s := &mail.SMTP{Host: "127.0.0.1", Port: port, From: "jumpgate@idp.test", TLS: mail.TLSNone, Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), "boss@acme.test", "Hello", "Created: 12\n"); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.msgs) != 1 || be.msgs[0].To[0] != "boss@acme.test" || be.msgs[0].From != "jumpgate@idp.test" ||
		!strings.Contains(be.msgs[0].Data, "Created: 12") || !strings.Contains(be.msgs[0].Data, "Subject: Hello") {
		t.Fatalf("received: %+v", be.msgs)
	}
}

func TestSMTPUnreachable(t *testing.T) {
	s := &mail.SMTP{Host: "127.0.0.1", Port: 1, From: "jumpgate@idp.test", TLS: mail.TLSNone, Timeout: time.Second}
	if err := s.Send(context.Background(), "boss@acme.test", "Hello", "x"); err == nil {
		t.Fatal("sent to a closed port")
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "jg.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := &mail.Outbox{Store: st}
	if err := o.Send(ctx, "boss@acme.test", "Done", "Created: 3"); err != nil {
		t.Fatal(err)
	}
	msgs, err := o.List(ctx, 0)
	if err != nil || len(msgs) != 1 || msgs[0].To != "boss@acme.test" || msgs[0].Body != "Created: 3" {
		t.Fatalf("%+v %v", msgs, err)
	}
}
