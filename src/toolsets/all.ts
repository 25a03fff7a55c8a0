/** Importing this module registers every toolset of this build. */
import "./paper/index.js";
import "./shell/index.js";
