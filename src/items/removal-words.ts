/** How every removal's reason starts: why lvsplay may undo it at all. */
export const NO_LONGER_WANTED = "in lvsplay's manifest, no longer in the inventory";
