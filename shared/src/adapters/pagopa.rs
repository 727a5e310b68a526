//! pagoPA's GPD (debt positions) and Checkout (carts) over HTTPS. Being written (#17).
