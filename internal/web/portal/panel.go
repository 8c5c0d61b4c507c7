package portal

import "net/http"

// panelled is page data with an application's panel (see appPanel).
type panelled interface{ panel() *appPanel }

func (d *appGeneralData) panel() *appPanel    { return &d.Panel }
func (d *appGroupsData) panel() *appPanel     { return &d.Panel }
func (d *appSSOData) panel() *appPanel        { return &d.Panel }
func (d *appDeactivateData) panel() *appPanel { return &d.Panel }
func (d *idmData) panel() *appPanel           { return &d.Panel }
func (d *idmPlanData) panel() *appPanel       { return &d.Panel }
func (d *importData) panel() *appPanel        { return &d.Panel }
func (d *importResultData) panel() *appPanel  { return &d.Panel }
func (d *importJobData) panel() *appPanel     { return &d.Panel }

// fillPanel completes an application panel with what every tab shows under
// the application's name: whether its identity management is active (then
// the guide's "Deactivate IdM connection" link is there).
func (h *Handler) fillPanel(r *http.Request, v *view) {
	pd, ok := v.Data.(panelled)
	if !ok || h.IdM == nil {
		return
	}
	p := pd.panel()
	if p.App == nil {
		return
	}
	if st, err := h.IdM.Get(r.Context(), p.App.ID); err == nil && st != nil {
		p.IdMActive = st.Active
	}
}
