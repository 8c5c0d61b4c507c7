package scim

import filter "github.com/scim2/filter-parser/v2"

func ParseFilterNumberForTest(s string) (filter.Expression, error) {
	return filter.ParseFilterNumber([]byte(s))
}
