package personyzetest

import (
	"slices"
	"strings"
)

// answerPageView fills a for a page view of v: the recommendations, then every campaign
// of the account that applies. The caller holds s.mu.
func (s *Server) answerPageView(a *answer, v *visitor, rec *Request, document string) {
	if acts := s.recommend(v); len(acts) > 0 {
		a.actions = acts
		a.addCondition(ConditionRecommendations)
	}
	pv := PageView{UserID: rec.UserID, Document: document, Commands: rec.Commands, v: v}
	for i := range s.acc.conditions {
		if c := &s.acc.conditions[i]; c.matches(&pv) {
			a.start(s.acc, c)
		}
	}
}

// answerEvents fills a for an event-only request from the account's event rules. The
// caller holds s.mu.
func (s *Server) answerEvents(a *answer, rec *Request) {
	for _, rule := range s.acc.rules {
		if !slices.ContainsFunc(rec.Commands, func(c Command) bool { return strings.EqualFold(c.Name, rule.On) }) {
			continue
		}
		for _, id := range rule.Conditions {
			a.start(s.acc, s.acc.condByID[id])
		}
		a.dismissConditions = appendNew(a.dismissConditions, rule.DismissConditions...)
		a.dismissActions = appendNew(a.dismissActions, rule.DismissActions...)
	}
}

// answer collects the conditions and actions of one response without repeats.
type answer struct {
	conditions                        []responseCondition
	actions                           []responseAction
	dismissConditions, dismissActions []int64
}

func (a *answer) addCondition(id int64) {
	if !slices.ContainsFunc(a.conditions, func(c responseCondition) bool { return c.ID == id }) {
		a.conditions = append(a.conditions, responseCondition{ID: id})
	}
}

// start adds condition c and the actions it shows.
func (a *answer) start(acc *account, c *Condition) {
	a.addCondition(c.ID)
	for _, id := range c.Actions {
		if slices.ContainsFunc(a.actions, func(x responseAction) bool { return x.ID == id }) {
			continue
		}
		data := acc.actions[id].Data
		if data == nil {
			data = map[string]string{}
		}
		a.actions = append(a.actions, responseAction{ID: id, Data: data})
	}
}

// appendNew appends the ids of add that list does not hold yet.
func appendNew(list []int64, add ...int64) []int64 {
	for _, id := range add {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

func orEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// wire returns the answer body; every array is present, even empty.
func (a *answer) wire(sessionID string, cacheVersion int64) wireResponse {
	resp := wireResponse{
		SessionID:         sessionID,
		CacheVersion:      cacheVersion,
		Conditions:        a.conditions,
		Actions:           a.actions,
		DismissConditions: orEmpty(a.dismissConditions),
		DismissActions:    orEmpty(a.dismissActions),
	}
	if resp.Conditions == nil {
		resp.Conditions = []responseCondition{}
	}
	if resp.Actions == nil {
		resp.Actions = []responseAction{}
	}
	return resp
}
