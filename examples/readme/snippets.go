package readme

import "github.com/gopersonyze/personyze/core"

func events(v *core.Visit, id string) {
	// readme:begin events
	v.Track(core.ProductViewed(id))                   // also ProductAddedToCart, ProductLiked, ...
	v.Track(core.ProductsPurchased())                 // also ProductsUnliked, ProductsRemovedFromCart
	v.Track(core.ArticleViewed(id))                   // also ArticleLiked, ArticleCommented, ArticleGoal, ...
	v.Track(core.UserProfile("email", "a@b.example")) // one field per command
	// readme:end
}
