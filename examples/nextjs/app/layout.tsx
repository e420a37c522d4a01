import '@itutor/sessions-react/styles.css';
import './globals.css';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'iTutor Sessions · Next.js example',
  description: 'The iTutor Sessions SDK in a Next.js App Router host app.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
