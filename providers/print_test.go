package providers_test

import (
	"fmt"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

func sprint(c providers.Credentials) string     { return fmt.Sprint(c) }
func sprintPlus(c providers.Credentials) string { return fmt.Sprintf("%+v %#v %s", c, c, c) }
func sprintAccount(a providers.Account) string  { return fmt.Sprintf("%+v %v", a, a) }
func contains(s, sub string) bool               { return strings.Contains(s, sub) }
