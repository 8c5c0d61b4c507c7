package portal

import "net/http"

// mountApps registers the SSO Applications pages.
func (h *Handler) mountApps(mux *http.ServeMux) {}
