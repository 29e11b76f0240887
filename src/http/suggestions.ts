import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Apollo's `hideSchemaDetailsFromClientErrors` strips "Did you mean ...?" from validation errors
 * only; graphql-js adds the same hint when it coerces variables (`$status: "ACTIV"` suggests
 * ACTIVE, an unknown input field suggests a real one). Strip it there too, with Apollo's own pattern.
 */
export const hideSuggestionsInVariableErrors: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) error.message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
      },
    };
  },
};
