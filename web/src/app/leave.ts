// Leaving the app for another site (an identity provider's sign-in or
// sign-out page) is a full page load, not a route. It goes through this
// object so tests can watch it: jsdom neither follows `location.assign`
// nor lets it be replaced.
export const browser = {
  leave(url: string) {
    window.location.assign(url);
  },
};
