package connector

import (
	"context"
	"errors"
	"strings"
)

// errStop ends a listing early.
var errStop = errors.New("connector: stop")

// FindGroupByName lists every group and returns the first whose
// displayName equals name case-insensitively (JumpCloud's "takeover by
// name"), or (nil, nil). It works with every connector, including those
// whose GET /Groups has no filter.
func FindGroupByName(ctx context.Context, c Connector, name string) (*RemoteGroup, error) {
	var found *RemoteGroup
	want := strings.TrimSpace(name)
	err := c.ListGroups(ctx, func(g RemoteGroup) error {
		if strings.EqualFold(strings.TrimSpace(g.DisplayName), want) {
			found = &g
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	return found, nil
}
