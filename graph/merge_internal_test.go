package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

func TestMergingKeepsWhatTheListSaidAndAddsWhatOnlyTheDetailCallSaid(t *testing.T) {
	ptr := func(n int) *int { return &n }
	yes, no := true, false
	desc := "about"
	list := &providers.Group{
		Provider: providers.Flickr, ID: "1", Name: "Reykjavik", PoolCount: ptr(0), AgeRestricted: &yes,
		Visibility: providers.VisibilityPublic,
		Details: &providers.FlickrDetails{Privacy: ptr(3), Throttle: &providers.FlickrThrottle{Count: ptr(1), Mode: "day"},
			Restrictions: &providers.FlickrRestrictions{PhotosOK: &yes}},
	}
	// A groups.getInfo answer without pool_count, eighteenplus, throttle
	// count or restrictions, as recorded payloads show.
	detail := &providers.Group{
		Provider: providers.Flickr, ID: "1", Name: "Reykjavik", Complete: true, Description: &desc, AgeRestricted: &no,
		Details: &providers.FlickrDetails{Throttle: &providers.FlickrThrottle{Mode: "day", Remaining: ptr(1)}, Rules: &desc},
	}
	listCopy, detailCopy := *list, *detail
	got := mergeGroups(list, detail)
	want := &providers.Group{
		Provider: providers.Flickr, ID: "1", Name: "Reykjavik", Complete: true, Description: &desc, PoolCount: ptr(0),
		AgeRestricted: &yes, Visibility: providers.VisibilityPublic,
		Details: &providers.FlickrDetails{Privacy: ptr(3), Rules: &desc,
			Throttle:     &providers.FlickrThrottle{Count: ptr(1), Mode: "day", Remaining: ptr(1)},
			Restrictions: &providers.FlickrRestrictions{PhotosOK: &yes}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged group (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&listCopy, list); diff != "" {
		t.Errorf("the list entry changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(&detailCopy, detail); diff != "" {
		t.Errorf("the detail answer changed (-before +after):\n%s", diff)
	}
	if l := list.Details.(*providers.FlickrDetails).Throttle; l.Remaining != nil {
		t.Errorf("the list's throttle gained remaining %d: the merge wrote through a pointer", *l.Remaining)
	}
}

func TestThePlannerCanTellOfEveryFieldWhetherAGroupHasIt(t *testing.T) {
	for f := providers.Field(0); providers.AllFields.Has(f); f++ {
		if presentIn[f] == nil {
			t.Errorf("field %d has no reader in presentIn: the planner would always load it", f)
		}
	}
}
