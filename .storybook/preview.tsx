import type { Preview } from '@storybook/react-vite';
// The optional default stylesheet, as a host would import it (`@itutor/sessions-react/styles.css`).
import '../packages/react/src/styles.css';

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true },
  },
  decorators: [
    (Story) => (
      <main style={{ fontFamily: 'system-ui, sans-serif', padding: 8 }}>
        <Story />
      </main>
    ),
  ],
};

export default preview;
