package portal

import "net/http"

// mountOutbox registers the local mail outbox page.
func (h *Handler) mountOutbox(mux *http.ServeMux) {}
