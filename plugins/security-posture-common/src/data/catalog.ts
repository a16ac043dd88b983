// Shapes of the data the catalog checks publish (context.publish) for the UI. Filled in by the catalog check family.
export {};
