// Shapes of the data the templates checks publish (context.publish) for the UI. Filled in by the templates check family.
export {};
