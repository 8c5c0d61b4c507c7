package portal

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/mail"
)

// outboxLimit is how many messages the outbox page lists.
const outboxLimit = 100

// mountOutbox registers the local mail outbox page:
//
//	GET /admin/outbox   the newest messages (to, subject, time, body)
func (h *Handler) mountOutbox(mux *http.ServeMux) {
	h.page(mux, "GET /admin/outbox", h.outbox)
}

type outboxData struct {
	Messages []mail.Message
	Limit    int
}

func (h *Handler) outbox(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	if h.Outbox == nil {
		return unavailable("The outbox (mail is sent to the SMTP server instead)")
	}
	// Messages hold activation links: read-only admins may not read them.
	if !s.CanWrite() {
		h.render(w, r, http.StatusForbidden, "message", &view{Title: "Not allowed", Section: "outbox", Session: s,
			Error: "The outbox holds activation links: only administrators may read it."})
		return nil
	}
	msgs, err := h.Outbox.List(r.Context(), outboxLimit)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "outbox", &view{Title: "Outbox", Section: "outbox", Session: s,
		Data: outboxData{Messages: msgs, Limit: outboxLimit}})
	return nil
}
