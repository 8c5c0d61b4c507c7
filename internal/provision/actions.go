package provision

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// EndSessions ends all of a provisioned user's sessions in the
// application through the connector's SessionResetter (Quip: PATCH active
// false, then true). It refuses with a conflict when the integration is
// not active, the connector cannot end sessions, or the user is not
// provisioned and active in the application. An application error is
// reported in the Outcome (and the key is marked, so the engine restores
// the desired state if the user was left deactivated). The attempt is
// recorded as a user_update_provision event.
func (e *Engine) EndSessions(ctx context.Context, appID, userID string) (*Outcome, error) {
	var active bool
	err := e.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		s, _, err := loadSettings(ctx, tx, appID)
		if err != nil {
			return err
		}
		active = s.Active
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, directory.Conflict("active", "the integration is not active")
	}
	ac, err := e.appConn(ctx, appID)
	if err != nil {
		return nil, err
	}
	sr, ok := ac.conn.(connector.SessionResetter)
	if !ok {
		return nil, directory.Conflict("connector", "this application's connector cannot end sessions")
	}
	v, err := e.viewUser(ctx, appID, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case !v.exists:
		return nil, directory.NotFound(KindUser, userID)
	case v.link == "":
		return nil, directory.Conflict("user", "the user is not provisioned in this application")
	case !v.bound || !v.desired.Active:
		return nil, directory.Conflict("user", "the user is not active in this application")
	}
	ac.sem <- struct{}{}
	err = sr.EndSessions(ctx, v.link)
	<-ac.sem
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	ev := Event{Name: EvUserUpdate, AppID: appID, Subject: KindUser, SubjectID: userID, RemoteID: v.link,
		Initiator: "admin", Changes: []connector.FieldChange{
			{Field: "active", From: "true", To: "false"},
			{Field: "active", From: "false", To: "true"},
		}}
	ev.fill(err)
	if err == nil {
		ev.Detail = "sessions ended"
	}
	e.record(ctx, ev)
	out := &Outcome{Key: Key{AppID: appID, Kind: KindUser, SubjectID: userID}, Success: err == nil}
	if err != nil {
		out.Error = err.Error()
		if ce := connector.AsError(err); ce != nil {
			out.Status = ce.HTTPStatus
		}
		// The user may have been left deactivated: the engine puts it right.
		if merr := e.Store.UpdateTx(ctx, func(tx *sqlstore.Tx) error {
			return markKey(ctx, tx, out.Key, e.now())
		}); merr != nil {
			return nil, fmt.Errorf("provision: end sessions: %w", merr)
		}
	}
	return out, nil
}
