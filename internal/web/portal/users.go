package portal

import "net/http"

// mountUsers registers the Users pages.
func (h *Handler) mountUsers(mux *http.ServeMux) {}
