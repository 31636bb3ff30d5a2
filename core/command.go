package core

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
)

// Command names, spelled exactly as the protocol decisions require (seed spellings plus the
// SDKs' "Products Removed from cart" and "Action Status").
const (
	cmdProductViewed           = "Product Viewed"
	cmdProductAddedToCart      = "Product Added to cart"
	cmdProductLiked            = "Product Liked"
	cmdProductPurchased        = "Product Purchased"
	cmdProductUnliked          = "Product Unliked"
	cmdProductRemovedFromCart  = "Product Removed from cart"
	cmdProductsPurchased       = "Products Purchased"
	cmdProductsUnliked         = "Products Unliked"
	cmdProductsRemovedFromCart = "Products Removed from cart"
	cmdArticleViewed           = "Article Viewed"
	cmdArticleLiked            = "Article Liked"
	cmdArticleCommented        = "Article Commented"
	cmdArticleUnliked          = "Article Unliked"
	cmdArticleGoal             = "Article Goal"
	cmdArticlesUnliked         = "Articles Unliked"
	cmdUserProfile             = "User Profile"
	cmdNavigate                = "Navigate"
	cmdActionStatus            = "Action Status"

	// navigatePrefix precedes the URL-encoded document name in a Navigate command.
	navigatePrefix = "urn:personyze:doc:"
)

// cmdKind tells the encoder and the splitter what a command is without comparing names.
type cmdKind uint8

const (
	kindOther cmdKind = iota
	kindItem          // product/article single-item event: may carry "action_id", N
	kindNavigate
)

// Command is one tracker command: a JSON array whose first element is the name. Build commands
// with the constructors (ProductViewed, Navigate, ...), which spell names exactly and validate
// their input; invalid input is reported by Err and makes Client.Send refuse the request.
// The zero Command is invalid.
type Command struct {
	name     string
	args     []string // string arguments after the name
	actionID int64    // > 0: the "action_id", N attribution suffix
	kind     cmdKind
	err      error
}

// Name returns the command name, e.g. "Product Viewed".
func (c Command) Name() string { return c.name }

// Args returns the elements after the name as they go on the wire: strings, and an int64 for
// the attribution suffix's action id.
func (c Command) Args() []any {
	out := make([]any, 0, len(c.args)+2)
	for _, a := range c.args {
		out = append(out, a)
	}
	if c.actionID > 0 {
		out = append(out, "action_id", c.actionID)
	}
	return out
}

// Err reports invalid constructor input (ErrEmptyID, ErrInvalidCommand), wrapped with the
// command name; nil for a valid command.
func (c Command) Err() error {
	if c.name == "" && c.err == nil {
		return fmt.Errorf("%w: zero Command", ErrInvalidCommand)
	}
	return c.err
}

// MarshalJSON encodes the command as its wire array, e.g. ["Product Viewed","SKU-1"].
func (c Command) MarshalJSON() ([]byte, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	return c.appendJSON(nil), nil
}

// appendJSON appends the wire array to dst.
func (c Command) appendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = appendJSONString(dst, c.name)
	for _, a := range c.args {
		dst = append(dst, ',')
		dst = appendJSONString(dst, a)
	}
	if c.actionID > 0 {
		dst = append(dst, `,"action_id",`...)
		dst = strconv.AppendInt(dst, c.actionID, 10)
	}
	return append(dst, ']')
}

// WithAction attributes a product or article event to the recommendation action it came from,
// appending the seed's "action_id", N suffix (N a JSON integer). On any other command, or with
// actionID <= 0, the returned command carries ErrInvalidCommand.
func (c Command) WithAction(actionID int64) Command {
	if c.err != nil {
		return c
	}
	switch {
	case c.kind != kindItem:
		c.err = fmt.Errorf("%w: %q cannot carry action_id", ErrInvalidCommand, c.name)
	case actionID <= 0:
		c.err = fmt.Errorf("%w: %q: action id %d is not positive", ErrInvalidCommand, c.name, actionID)
	default:
		c.actionID = actionID
	}
	return c
}

// ActionID returns the attribution action id set by WithAction, or 0.
func (c Command) ActionID() int64 { return c.actionID }

// ItemID returns the item id of a product or article single-item event, "" otherwise.
func (c Command) ItemID() string {
	if c.kind == kindItem {
		return c.args[0]
	}
	return ""
}

// IsNavigate reports whether c is a Navigate (page view) command.
func (c Command) IsNavigate() bool { return c.kind == kindNavigate }

// Attributable reports whether c is a product or article single-item event that may carry an
// action id (see WithAction).
func (c Command) Attributable() bool { return c.kind == kindItem }

// itemEvent builds a product/article single-item event.
func itemEvent(name, id string) Command {
	c := Command{name: name, args: []string{id}, kind: kindItem}
	if id == "" {
		c.err = fmt.Errorf("%w: %q needs an item id", ErrEmptyID, name)
	}
	return c
}

// ProductViewed reports that the visitor saw product id (the catalog's Internal ID).
func ProductViewed(id string) Command { return itemEvent(cmdProductViewed, id) }

// ProductAddedToCart reports that product id was added to the cart.
func ProductAddedToCart(id string) Command { return itemEvent(cmdProductAddedToCart, id) }

// ProductLiked reports that product id was added to the wish list.
func ProductLiked(id string) Command { return itemEvent(cmdProductLiked, id) }

// ProductPurchased reports that product id was purchased.
func ProductPurchased(id string) Command { return itemEvent(cmdProductPurchased, id) }

// ProductUnliked reports that product id was removed from the wish list.
func ProductUnliked(id string) Command { return itemEvent(cmdProductUnliked, id) }

// ProductRemovedFromCart reports that product id was removed from the cart.
func ProductRemovedFromCart(id string) Command { return itemEvent(cmdProductRemovedFromCart, id) }

// ProductsPurchased reports that everything in the cart was purchased.
func ProductsPurchased() Command { return Command{name: cmdProductsPurchased} }

// ProductsUnliked reports that the wish list was cleared.
func ProductsUnliked() Command { return Command{name: cmdProductsUnliked} }

// ProductsRemovedFromCart reports that the cart was emptied.
func ProductsRemovedFromCart() Command { return Command{name: cmdProductsRemovedFromCart} }

// ArticleViewed reports that the visitor read article id (the catalog's Internal ID).
func ArticleViewed(id string) Command { return itemEvent(cmdArticleViewed, id) }

// ArticleLiked reports that article id was liked.
func ArticleLiked(id string) Command { return itemEvent(cmdArticleLiked, id) }

// ArticleCommented reports that article id was commented.
func ArticleCommented(id string) Command { return itemEvent(cmdArticleCommented, id) }

// ArticleUnliked reports that article id was unliked.
func ArticleUnliked(id string) Command { return itemEvent(cmdArticleUnliked, id) }

// ArticleGoal reports that article id reached its goal, as the application defines it.
func ArticleGoal(id string) Command { return itemEvent(cmdArticleGoal, id) }

// ArticlesUnliked marks all previously liked articles as not liked.
func ArticlesUnliked() Command { return Command{name: cmdArticlesUnliked} }

// UserProfile sets one profile field of the visitor, e.g. UserProfile("industry", "retail").
// One field per command, as the protocol decisions require. An empty field name is invalid; an
// empty value is sent as is.
func UserProfile(field, value string) Command {
	c := Command{name: cmdUserProfile, args: []string{field, value}}
	if field == "" {
		c.err = fmt.Errorf("%w: %q needs a field name", ErrInvalidCommand, cmdUserProfile)
	}
	return c
}

// UserProfileFields returns one UserProfile command per entry of fields, sorted by field name
// so that the wire form does not depend on map iteration order.
func UserProfileFields(fields map[string]string) []Command {
	keys := slices.Sorted(maps.Keys(fields))
	out := make([]Command, 0, len(keys))
	for _, k := range keys {
		out = append(out, UserProfile(k, fields[k]))
	}
	return out
}

// UserEmail sets the visitor's "email" profile field.
func UserEmail(v string) Command { return UserProfile("email", v) }

// UserFirstName sets the visitor's "first_name" profile field.
func UserFirstName(v string) Command { return UserProfile("first_name", v) }

// UserLastName sets the visitor's "last_name" profile field.
func UserLastName(v string) Command { return UserProfile("last_name", v) }

// UserPhone sets the visitor's "phone" profile field.
func UserPhone(v string) Command { return UserProfile("phone", v) }

// Navigate reports a page view of document (shown in Personyze's dashboard; actions run once
// per document, so a request that should bring recommendations needs one). The wire form is
// "urn:personyze:doc:" + url.PathEscape(document): RFC 3986 percent-encoding in which a space
// is %20 and "/" is %2F, so any decoder (decodeURIComponent, rawurldecode) restores the name
// exactly, which "+" for space would not guarantee.
func Navigate(document string) Command {
	c := Command{name: cmdNavigate, args: []string{navigatePrefix + url.PathEscape(document)}, kind: kindNavigate}
	if document == "" {
		c.err = fmt.Errorf("%w: %q needs a document name", ErrEmptyID, cmdNavigate)
	}
	return c
}

// Action statuses of ActionStatus, as Personyze's SDKs report them.
const (
	ActionStatusExecuted = "executed" // the action was shown
	ActionStatusTarget   = "target"   // click on the action's call to action
	ActionStatusClose    = "close"    // dismissed; arg = number of sessions to hide it ("0")
	ActionStatusProduct  = "product"  // click on a product inside the action; arg = product id
	ActionStatusArticle  = "article"  // click on an article inside the action; arg = article id
	ActionStatusError    = "error"    // the application could not show it; arg = reason
)

// ActionStatus reports what happened to action actionID: ["Action Status", "<id>", status, arg]
// with the id as a decimal string. actionID must be positive and status non-empty.
func ActionStatus(actionID int64, status, arg string) Command {
	c := Command{name: cmdActionStatus, args: []string{strconv.FormatInt(actionID, 10), status, arg}}
	c.err = checkAction(actionID, status)
	return c
}

// ActionDontShow tells Personyze that action actionID was withheld because the visitor closed
// it for some sessions: the 3-element ["Action Status", "<id>", "dont-show"].
func ActionDontShow(actionID int64) Command {
	c := Command{name: cmdActionStatus, args: []string{strconv.FormatInt(actionID, 10), "dont-show"}}
	c.err = checkAction(actionID, "dont-show")
	return c
}

func checkAction(actionID int64, status string) error {
	if actionID <= 0 {
		return fmt.Errorf("%w: %q: action id %d is not positive", ErrInvalidCommand, cmdActionStatus, actionID)
	}
	if status == "" {
		return fmt.Errorf("%w: %q needs a status", ErrInvalidCommand, cmdActionStatus)
	}
	return nil
}
