package insights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// Effect records one event per directory change inside the mutation's
// transaction; it has the signature of lifecycle.Effect. The store must be
// the sqlstore the events live in.
func (s *Store) Effect(ctx context.Context, tx directory.Tx, changes []directory.Change) error {
	stx, ok := tx.(*sqlstore.Tx)
	if !ok {
		return fmt.Errorf("insights: directory transaction is %T, not *sqlstore.Tx", tx)
	}
	apps := map[string][2]string{} // app id → template id, label
	for _, c := range changes {
		e, ok := EventForChange(c)
		if !ok {
			continue
		}
		if a := e.Application; a != nil && a.Name == "" && a.ID != "" {
			// An imported user's event names the application it came from
			// (looked up once per batch of changes).
			known, ok := apps[a.ID]
			if !ok {
				if err := stx.QueryRow(ctx, `SELECT template_id, label FROM apps WHERE id = ?`, a.ID).Scan(&known[0], &known[1]); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				apps[a.ID] = known
			}
			a.Name, a.DisplayLabel = known[0], known[1]
		}
		if err := s.RecordTx(ctx, stx, e); err != nil {
			return err
		}
	}
	return nil
}

var kindTypes = map[directory.ChangeKind]EventType{
	directory.UserCreated:       UserCreate,
	directory.UserUpdated:       UserUpdate,
	directory.UserDeleted:       UserDelete,
	directory.GroupCreated:      GroupCreate,
	directory.GroupUpdated:      GroupUpdate,
	directory.GroupDeleted:      GroupDelete,
	directory.MemberAdded:       GroupAddMember,
	directory.MemberRemoved:     GroupRemoveMember,
	directory.AppCreated:        ApplicationCreate,
	directory.AppUpdated:        ApplicationUpdate,
	directory.AppDeleted:        ApplicationDelete,
	directory.AppSSOUpdated:     ApplicationSSOUpdate,
	directory.AppSSODeactivated: ApplicationSSODeactivate,
	directory.AppSSOActivated:   ApplicationSSOActivate,
	directory.AppKeysChanged:    ApplicationKeysUpdate,
	directory.AppGroupBound:     ApplicationGroupBind,
	directory.AppGroupUnbound:   ApplicationGroupUnbind,
	directory.AdminCreated:      AdminCreate,
	directory.APIKeyCreated:     AdminAPIKeyCreate,
	directory.APIKeyRevoked:     AdminAPIKeyRevoke,
}

// EventForChange translates a directory change into its event; ok is false
// for a change kind the catalogue does not cover. A user update that
// changes only the state to suspended is user_suspend; from suspended to
// activated user_activate; from staged to activated user_activation.
func EventForChange(c directory.Change) (Event, bool) {
	t, ok := kindTypes[c.Kind]
	if !ok {
		return Event{}, false
	}
	e := Event{
		EventType:   t,
		Service:     catalogue[t].Service,
		Timestamp:   c.At,
		InitiatedBy: Initiator{ID: c.Actor.ID, Type: string(c.Actor.Type), Email: c.Actor.Email},
		Success:     true,
	}
	for _, f := range c.Fields {
		e.Changes = append(e.Changes, Change{Field: f.Field, From: f.From, To: f.To})
	}
	switch c.ResourceType {
	case "app":
		e.Resource = &Resource{ID: c.ResourceID, Type: "application", Name: c.ResourceName}
		e.Application = &Application{ID: c.ResourceID, Name: c.ResourceName, DisplayLabel: c.ResourceName}
		if c.RelatedID != "" {
			e.Changes = append(e.Changes, Change{Field: "group", To: c.RelatedID})
			if t == ApplicationGroupUnbind {
				e.Changes[len(e.Changes)-1] = Change{Field: "group", From: c.RelatedID}
			}
		}
	case "user":
		e.Resource = &Resource{ID: c.ResourceID, Type: c.ResourceType, Name: c.ResourceName}
		if t == UserCreate && c.RelatedID != "" {
			// Imported from an application.
			e.Application = &Application{ID: c.RelatedID}
			e.Details = map[string]string{"source": "import"}
		}
	default:
		e.Resource = &Resource{ID: c.ResourceID, Type: c.ResourceType, Name: c.ResourceName}
		if c.RelatedID != "" {
			ch := Change{Field: "member", To: c.RelatedID}
			if t == GroupRemoveMember {
				ch = Change{Field: "member", From: c.RelatedID}
			}
			e.Changes = append(e.Changes, ch)
		}
	}
	if t == UserUpdate {
		for _, f := range c.Fields {
			if f.Field != "state" {
				continue
			}
			switch {
			case f.To == string(directory.UserSuspended):
				e.EventType = UserSuspend
			case f.To == string(directory.UserActivated) && f.From == string(directory.UserSuspended):
				e.EventType = UserActivate
			case f.To == string(directory.UserActivated):
				e.EventType = UserActivation
			}
		}
	}
	return e, true
}
