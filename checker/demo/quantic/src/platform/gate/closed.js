// A closed @salesforce/gate/… (see PLATFORM_FILES in ../../../build.mjs for which gate and why).
export default {isOpen: () => false};
