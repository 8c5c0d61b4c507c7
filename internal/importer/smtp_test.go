package importer_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/jumpgate-idp/jumpgate/internal/mail"
)

// smtpServer is a real SMTP server (go-smtp) that keeps what it receives.
type smtpServer struct {
	mu   sync.Mutex
	msgs []smtpMsg
}

type smtpMsg struct {
	To   []string
	Data string
}

func (b *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

func (b *smtpServer) received() []smtpMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]smtpMsg(nil), b.msgs...)
}

type smtpSession struct {
	b   *smtpServer
	cur smtpMsg
}

func (s *smtpSession) Reset()                               { s.cur = smtpMsg{} }
func (s *smtpSession) Logout() error                        { return nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
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

// startSMTP starts the server and returns a sender configured for it.
func startSMTP(t *testing.T) (*smtpServer, *mail.SMTP) {
	t.Helper()
	be := &smtpServer{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return be, &mail.SMTP{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "jumpgate@idp.test", TLS: mail.TLSNone,
		Timeout: 5 * time.Second}
}
